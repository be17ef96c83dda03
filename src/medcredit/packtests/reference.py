"""The case-file format (``*.cases.yaml``) as a reference page, generated from its models."""

from __future__ import annotations

import medcredit.packtests.runner as runner
from medcredit.render.models_doc import models_markdown


def case_format_markdown() -> str:
    head = [
        "# Case-file format (`*.cases.yaml`)",
        "",
        "Generated from the models of `medcredit.packtests.runner` by `medcredit docs`. A case file names a",
        "pack (bundled name, or a path relative to the file) and lists cases; `medcredit test` and the pytest",
        "plugin run them. Only the keys given under `expect` are compared; each difference names the file, the",
        "case, the key, what was expected and what was got. Unknown keys are errors.",
        "",
    ]
    return models_markdown(runner, "CaseFile", head)
