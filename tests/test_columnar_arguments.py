"""A wrong call of evaluate_table is a typed ArgumentError naming the argument, never a crash inside."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from medcredit.columnar import evaluate_table, subjects_to_tables
from medcredit.columnar.arguments import check_ids, id_tuple
from medcredit.diagnostics.errors import ArgumentError
from medcredit.history.model import Subject
from medcredit.pack.loader import load_pack

PACK = load_pack("wushan")
S, R = subjects_to_tables(
    [
        Subject.model_validate(
            {
                "id": "92500237MA5U00001T",
                "category": "retail_pharmacy",
                "records": [{"kind": "inspection", "date": "2023-03-01"}],
            }
        )
    ]
)
GOOD: dict[str, Any] = {"pack": PACK, "subjects": S, "records": R, "cycle": 2023}


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"pack": "wushan"}, "pack must be a CompiledPack"),
        ({"subjects": S.to_pandas()}, "subjects must be a pyarrow.Table"),
        ({"records": R.to_pylist()}, "records must be a pyarrow.Table"),
        ({"cycle": "2023"}, "cycle must be a year"),
        ({"cycle": True}, "cycle must be a year"),
        ({"cycle": 1800}, "cycle 1800 is out of range"),
        ({"override_validity": "yes"}, "override_validity must be True or False"),
        ({"trace_ids": "92500237MA5U00001T"}, "trace_ids must be a collection of subject ids"),
        ({"trace_ids": [92500237]}, "trace_ids must hold subject ids as strings"),
        ({"trace_ids": 7}, "trace_ids must be a collection"),
        ({"slice_subjects": 0}, "slice_subjects must be a whole number"),
        ({"slice_subjects": 2.5}, "slice_subjects must be a whole number"),
        ({"threads": 0}, "threads must be a whole number"),
        ({"threads": "2"}, "threads must be a whole number"),
        ({"threads": True}, "threads must be a whole number"),
    ],
)
def test_a_wrong_argument_is_named(change: dict[str, Any], names: str) -> None:
    arguments = {**GOOD, **change}
    pack, subjects, records = arguments.pop("pack"), arguments.pop("subjects"), arguments.pop("records")
    with pytest.raises(ArgumentError, match=names):
        evaluate_table(pack, subjects, records, **arguments)


def test_the_right_arguments_grade() -> None:
    table = evaluate_table(PACK, S, R, cycle=2023, trace_ids=["92500237MA5U00001T"], slice_subjects=1, threads=2)
    assert table.column("status").to_pylist() == ["graded"]
    assert table.column("trace")[0].as_py() is not None


def test_ids_are_a_set_and_a_sorted_tuple_for_graders() -> None:
    assert check_ids("ids", ("b", "a", "b")) == frozenset({"a", "b"})
    assert id_tuple("ids", iter(["b", "a"])) == ("a", "b")
    assert id_tuple("ids", pa.array(["x"]).to_pylist()) == ("x",)
