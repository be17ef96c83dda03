"""medcredit: China's medical-insurance fund supervision credit rules as executable policy packs.

The public API is the names exported here (``medcredit.__all__``) and the pack
author's kit :mod:`medcredit.testing`.  Every other module is internal: its
layout follows the architecture (see docs/reference/api.md) and may change
between releases without notice.

>>> import medcredit
>>> pack = medcredit.load_pack("wushan")
>>> subject = medcredit.load_subject({"id": "x", "category": "retail_pharmacy"})
>>> medcredit.evaluate(pack, subject, 2023).status  # no inspection in the cycle: not graded
'excluded'

Bad input raises a :class:`MedcreditError` subclass, never a bare Python error:
``load_subject`` raises :class:`HistoryError` with located problems, ``evaluate``
with a wrong argument raises :class:`ArgumentError`.  ``evaluate_file`` grades a
whole history file and accounts for every input in a :class:`BatchSummary`.
"""

from medcredit.analysis.batch import evaluate_file
from medcredit.diagnostics.arguments import checked
from medcredit.diagnostics.errors import (
    ArgumentError,
    CalendarError,
    CalendarRangeError,
    ExpressionError,
    HistoryError,
    MedcreditError,
    PackError,
    PackNotFoundError,
    PeriodError,
    ProblemsError,
    ScheduleError,
    UnannouncedYearError,
    ValidityError,
)
from medcredit.diagnostics.problems import Problem
from medcredit.engine.arguments import check_cycle
from medcredit.engine.batch import BatchSummary, Failed
from medcredit.engine.evaluation import DecisionCache, Evaluator, evaluate, evaluate_cycles
from medcredit.engine.linked import linked_subjects
from medcredit.engine.validity import check_validity, date_in_validity
from medcredit.history.model import Record, Subject, SubjectCategory
from medcredit.history.reader import iter_subjects
from medcredit.history.reader import load_subject as load_subject_file
from medcredit.history.reader import subject_from_data as load_subject
from medcredit.pack.compiled import CompiledPack
from medcredit.pack.loader import bundled_pack_names, load_pack, validate_pack_text
from medcredit.pack.validity import in_force
from medcredit.packtests.runner import run_file
from medcredit.procedures.deadlines import compute_deadline, deadline_chain
from medcredit.procedures.reports import QueryLog, report_validity
from medcredit.procedures.sanctions import PersonSanctions, person_sanctions
from medcredit.procedures.standing import Standing, standing
from medcredit.render.output import TraceEncoder, render_text, result_to_dict, to_json
from medcredit.repair.assess import RepairAnswer, assess_repair
from medcredit.time.official_calendar import OfficialCalendar, default_calendar, load_schedule
from medcredit.time.periods import deadline, first_day_after_period, period_end, working_day_deadline
from medcredit.trace.result import Result
from medcredit.trace.steps import (
    BandStep,
    ClassStep,
    ConsequenceStep,
    ExclusionStep,
    ListStep,
    MeasureStep,
    MissingStep,
    PathStep,
    RollUpStep,
    RuleStep,
    ScopeStep,
    Step,
    ValidityStep,
)

# A wrong type for any argument of the functions exported here is an ArgumentError naming it
# (diagnostics.arguments), not an AttributeError from deep inside.  ``evaluate`` checks its own
# arguments on its hot path; ``load_subject`` takes data of any shape and reports located problems.
assess_repair = checked(assess_repair, "assess_repair", __name__)
check_validity = checked(check_validity, "check_validity", __name__, cycle=check_cycle)
compute_deadline = checked(compute_deadline, "compute_deadline", __name__)
date_in_validity = checked(date_in_validity, "date_in_validity", __name__)
deadline = checked(deadline, "deadline", __name__)
deadline_chain = checked(deadline_chain, "deadline_chain", __name__)
evaluate_cycles = checked(evaluate_cycles, "evaluate_cycles", __name__)
evaluate_file = checked(evaluate_file, "evaluate_file", __name__)
first_day_after_period = checked(first_day_after_period, "first_day_after_period", __name__)
in_force = checked(in_force, "in_force", __name__)
iter_subjects = checked(iter_subjects, "iter_subjects", __name__)
linked_subjects = checked(linked_subjects, "linked_subjects", __name__)
load_pack = checked(load_pack, "load_pack", __name__)
load_schedule = checked(load_schedule, "load_schedule", __name__)
load_subject_file = checked(load_subject_file, "load_subject_file", __name__)
period_end = checked(period_end, "period_end", __name__)
person_sanctions = checked(person_sanctions, "person_sanctions", __name__)
render_text = checked(render_text, "render_text", __name__)
report_validity = checked(report_validity, "report_validity", __name__)
result_to_dict = checked(result_to_dict, "result_to_dict", __name__)
run_file = checked(run_file, "run_file", __name__)
standing = checked(standing, "standing", __name__)
to_json = checked(to_json, "to_json", __name__)
validate_pack_text = checked(validate_pack_text, "validate_pack_text", __name__)
working_day_deadline = checked(working_day_deadline, "working_day_deadline", __name__)

__version__ = "0.1.0"

__all__ = [
    "ArgumentError",
    "BandStep",
    "BatchSummary",
    "CalendarError",
    "CalendarRangeError",
    "ClassStep",
    "CompiledPack",
    "ConsequenceStep",
    "DecisionCache",
    "Evaluator",
    "ExclusionStep",
    "ExpressionError",
    "Failed",
    "HistoryError",
    "ListStep",
    "MeasureStep",
    "MedcreditError",
    "MissingStep",
    "OfficialCalendar",
    "PackError",
    "PackNotFoundError",
    "PathStep",
    "PeriodError",
    "PersonSanctions",
    "Problem",
    "ProblemsError",
    "QueryLog",
    "Record",
    "RepairAnswer",
    "Result",
    "RollUpStep",
    "RuleStep",
    "ScheduleError",
    "ScopeStep",
    "Standing",
    "Step",
    "Subject",
    "SubjectCategory",
    "TraceEncoder",
    "UnannouncedYearError",
    "ValidityError",
    "ValidityStep",
    "__version__",
    "assess_repair",
    "bundled_pack_names",
    "check_validity",
    "compute_deadline",
    "date_in_validity",
    "deadline",
    "deadline_chain",
    "default_calendar",
    "evaluate",
    "evaluate_cycles",
    "evaluate_file",
    "first_day_after_period",
    "in_force",
    "iter_subjects",
    "linked_subjects",
    "load_pack",
    "load_schedule",
    "load_subject",
    "load_subject_file",
    "period_end",
    "person_sanctions",
    "render_text",
    "report_validity",
    "result_to_dict",
    "run_file",
    "standing",
    "to_json",
    "validate_pack_text",
    "working_day_deadline",
]
