"""Time per 《民法典》 第二百零一至二百零三条: the official working-day calendar with 调休, and periods."""
