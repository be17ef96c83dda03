"""``medcredit serve``: the library over HTTP (FastAPI on uvicorn, extra ``medcredit[serve]``)."""
