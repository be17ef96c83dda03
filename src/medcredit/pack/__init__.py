"""Policy packs: the YAML format (:mod:`.model`), loading (:mod:`.loader`) and compilation (:mod:`.compiled`)."""
