"""Grade one submission: intake, static checks, sandboxed run, judgement, results.json.

Whatever happens, a report comes back with a result for every case, and when a
results path is given it is written, also when the grader itself fails.
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
import os
import shutil
import tempfile
import textwrap
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograder import depends, evaluator, outputs, usage
from autograder.assignment import Assignment
from autograder.cases import Case, Verdict, seed_for
from autograder.engine import CaseRequest, Engine, EngineLog, Workspace
from autograder.intake import read_submission
from autograder.judge import judge_case
from autograder.outputs import Outputs
from autograder.profiles import hidden_modules, installed_modules, lock_down, site_dirs
from autograder.protocol import printed_by_case
from autograder.results import CaseResult, GradeReport
from autograder.runner import RunOutcome
from autograder.sandbox import Limits, Plan, plan, python_paths
from autograder.static import (
    check_source,
    reached_imports,
    read_sources,
    relative_imports,
    with_imports,
)


@dataclass
class Grader:
    """Everything needed to grade submissions of one assignment."""

    assignment: Assignment  # trusted: case metadata and checks
    cases: list[Case]
    public: set[str]  # names of the cases whose details students may see
    expected: dict[str, Outputs]
    seeds: dict[str, int]
    package_src: Path  # the <name>/ package the worker's copy is assembled from
    engine_root: Path  # the folder holding autograder/ and dlkit/

    @property
    def case_timeout_s(self) -> float:
        return self.assignment.config.case_timeout_s

    @functools.cached_property
    def stubs(self) -> dict[str, str]:
        """The trusted copy's text of each submitted file: what a file not submitted
        would import (read once: `make grade` reuses one grader for many submissions)."""
        return read_sources(self.package_src, self.assignment.config.files)

    @functools.cached_property
    def installed(self) -> frozenset[str]:
        """The top-level modules this machine's site folders hold (read once)."""
        return installed_modules(tuple(site_dirs(python_paths())))

    def profile(self, case: Case) -> frozenset[str]:
        """The modules absent from the case's worker: all that a file it calls may not
        import and this machine has (see `autograder.profiles`)."""
        config = self.assignment.config
        return hidden_modules(uses(case, config.files), config.forbidden_imports) & self.installed

    def timeout_of(self, case: Case) -> float:
        """The case's own time limit, or the assignment's."""
        return case.timeout_s or self.case_timeout_s

    @classmethod
    def from_bundle(cls, bundle: Path, public_only: bool = False) -> Grader:
        bundle = bundle.resolve()
        name = next(p.name for p in (bundle / "package").iterdir() if p.is_dir())
        assignment = Assignment.load(name)
        secret = (bundle / "trusted" / "secret").read_text().strip()
        expected, _ = outputs.load(bundle / "trusted" / "expected.npz")
        public = {c.name for c in assignment.public_cases()}
        cases = assignment.public_cases() if public_only else assignment.all_cases()
        return cls(
            assignment=assignment,
            cases=cases,
            public=public,
            expected=expected,
            seeds={c.name: seed_for(name, c, secret) for c in cases},
            package_src=bundle / "package" / name,
            engine_root=bundle / "engine",
        )

    @classmethod
    def for_public_cases(cls, name: str, engine_root: Path) -> Grader:
        """The public cases against the shipped fixtures (a student's `make check`)."""
        from autograder import fixtures

        assignment = Assignment.load(name)
        cases = assignment.public_cases()
        return cls(
            assignment=assignment,
            cases=cases,
            public={c.name for c in cases},
            expected=fixtures.read(assignment),
            seeds={c.name: seed_for(name, c, None) for c in cases},
            package_src=assignment.folder,
            engine_root=engine_root,
        )

    def grade(
        self,
        submission: Path,
        results: Path | None = None,
        sandbox: Plan | None = None,
        limits: Limits | None = None,
    ) -> GradeReport:
        """Grade ``submission`` (a folder or zip); write ``results`` when given."""
        start = time.perf_counter()
        own = sandbox is None
        try:
            sandbox = sandbox or plan()
            with usage.bounded_memory(JUDGE_HEADROOM_MB):
                report = self._grade(submission, sandbox, limits or self.limits())
        except Exception:  # noqa: BLE001 - a report must come back whatever happened
            report = self.internal_error(traceback.format_exc())
        finally:
            if own and sandbox is not None:
                sandbox.release()
        report = GradeReport(
            tests=report.tests,
            execution_time=time.perf_counter() - start,
            output=report.output,
            extra=report.extra,
            visibility=self.assignment.config.results_visibility,
        )
        if results is not None:
            results.parent.mkdir(parents=True, exist_ok=True)
            results.write_text(json.dumps(report.to_json(), indent=2) + "\n")
        return report

    def limits(self) -> Limits:
        config = self.assignment.config
        budget = int(sum(self.timeout_of(c) for c in self.cases)) + 60
        return Limits(cpu_seconds=budget, memory_mb=config.memory_mb)

    def internal_error(self, trace: str) -> GradeReport:
        """Every case failed by the grader itself, with the trace for the instructor."""
        message = "the grader failed on this submission; your instructor has the details"
        tests = [self._result(c, RunOutcome.failed("internal", message)) for c in self.cases]
        return GradeReport(tests=tests, output=message, extra={"trace": trace})

    def _result(
        self, case: Case, outcome: RunOutcome, decided: Verdict | None = None
    ) -> CaseResult:
        """The case's result. Judging never takes the other cases down: outputs too large
        or too deep to judge (or a check that fails on them) fail this case alone."""
        detailed = case.name in self.public
        seed = self.seeds[case.name]
        expected = self.expected.get(case.name, {})
        try:
            return judge_case(case, outcome, expected, detailed, seed, decided)
        except (MemoryError, RecursionError) as exc:
            why = "too large" if isinstance(exc, MemoryError) else "nested too deeply"
            failed = RunOutcome.failed("output_type", f"the outputs are {why} to judge")
        except Exception as exc:  # noqa: BLE001 - a bug shows in this case, not in all
            failed = RunOutcome.failed(
                "internal", f"the grader could not judge the outputs ({exc})"
            )
        return judge_case(case, failed, expected, detailed, seed)

    def _evaluate_apart(
        self, deferred: list[tuple[Case, RunOutcome]]
    ) -> tuple[dict[str, CaseResult], str]:
        """Judge the cases whose checks run apart, in one trusted evaluation process."""
        items = [
            evaluator.Item(c, o.outputs, self.expected.get(c.name, {}), self.seeds[c.name])
            for c, o in deferred
        ]
        evaluation = evaluator.evaluate(items)
        results = {}
        for (case, outcome), decided in zip(deferred, evaluation.verdicts, strict=True):
            if decided is None:
                outcome = RunOutcome.failed("internal", evaluator.FAILED)
            results[case.name] = self._result(case, outcome, decided)
        return results, evaluation.log

    def _grade(self, submission: Path, sandbox: Plan, limits: Limits) -> GradeReport:
        config = self.assignment.config
        intake = read_submission(submission, config.files)
        problems = dict(intake.problems)
        submitted = {n: d.decode("utf-8-sig", "replace") for n, d in intake.files.items()}
        for name, text in submitted.items():
            problem = check_source(name, text, config.forbidden_imports.get(name, ()))
            if problem:
                problems[name] = problem
        # what the submitted files import decides what each file reaches, and what a case needs
        reached = reached_imports(submitted, config.forbidden_imports, self.assignment.name)
        problems.update({n: p for n, p in reached.items() if n not in problems})
        imports = relative_imports(self.assignment.name, {**self.stubs, **submitted})
        blocked: dict[str, str] = {}
        for case in self.cases:
            direct = uses(case, config.files)
            bad = [problems[f] for f in sorted(direct) if f in problems]
            bad += [
                f"{problems[f]} (this case needs it: {', '.join(sorted(direct))} imports it)"
                for f in sorted(with_imports(direct, imports) - direct)
                if f in problems
            ]
            if bad:
                blocked[case.name] = bad[0]

        scratch = Path(tempfile.mkdtemp(prefix="grade-"))
        try:
            results, log = self._run(scratch, intake.files, problems, blocked, sandbox, limits)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        lines = [f"Sandbox: {sandbox.summary()}."]
        lines += [f"Problem: {p}" for p in dict.fromkeys(problems.values())]
        lines += [f"Note: {n}" for n in intake.notes]
        printed = printed_by_case(bytes(log.stdout))
        extra: dict[str, Any] = {
            "worker_output": "".join(
                f"--- {self._label_of(key)} ---\n{text}" if key else text
                for key, text in printed.items()
                if text.strip()
            ),
            # for `make check` only: on Gradescope, prints could carry a graded case's inputs
            "printed": {
                c.label: printed[f"{c.func.__module__}:{c.func.__name__}"]
                for c in self.cases
                if printed.get(f"{c.func.__module__}:{c.func.__name__}", "").strip()
            },
        }
        if log.evaluation:
            extra["evaluation_log"] = log.evaluation
        tests = [results[c.name] for c in self.cases]
        return GradeReport(tests=tests, output="\n".join(lines), extra=extra)

    def _label_of(self, key: str) -> str:
        """The label of the case whose function is ``module:function``."""
        for case in self.cases:
            if f"{case.func.__module__}:{case.func.__name__}" == key:
                return case.label
        return key

    def _run(
        self,
        scratch: Path,
        files: dict[str, bytes],
        problems: dict[str, str],
        blocked: dict[str, str],
        sandbox: Plan,
        limits: Limits,
    ) -> tuple[dict[str, CaseResult], EngineLog]:
        name = self.assignment.name
        package_root, control, work = scratch / "pkg", scratch / "control", scratch / "work"
        # No hidden case code and no fixtures: the public cases' worker never sees them.
        ignore = shutil.ignore_patterns("__pycache__", "hidden.py", "fixtures")
        shutil.copytree(self.package_src, package_root / name, ignore=ignore)
        # The worker gets its own copy of the engine: the bundle may sit where the
        # grading user cannot reach it (under a private home or temporary folder).
        engine_root = scratch / "engine"
        engine_ignore = shutil.ignore_patterns("__pycache__")
        for package in ("autograder", "dlkit"):
            shutil.copytree(self.engine_root / package, engine_root / package, ignore=engine_ignore)
        for relative in depends.relative_files(self.assignment.config.depends):
            (engine_root / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.engine_root / relative, engine_root / relative)
        for file, data in files.items():
            if file not in problems:
                (package_root / name / file).write_bytes(data)
        control.mkdir()
        work.mkdir()
        _restrict(scratch, sandbox)
        workspace = Workspace(name, package_root, engine_root, control, work)
        config = self.assignment.config
        if sandbox.lockdown:
            hideable = frozenset(m for ms in config.forbidden_imports.values() for m in ms)
            lock_down(site_dirs(python_paths()), hideable, config.protected_data)
        engine = Engine(workspace, sandbox, limits, config.forbidden_imports, config.protected_data)
        # Checks that run apart wait until the worker is gone: then no two processes
        # hold torch at once.
        deferred: list[tuple[Case, RunOutcome]] = []
        results: dict[str, CaseResult] = {}
        to_run = [c for c in self.cases if c.name not in blocked]
        # Public cases first, in workers of their own; then the hidden cases, whose code,
        # data and seeds reach the package and the control folder only now. Whatever a
        # hidden case lets the submission learn can no longer come out in a public
        # case's detailed message.
        start = time.monotonic()
        for phase in ("public", "hidden"):
            cases = [c for c in to_run if (c.name in self.public) == (phase == "public")]
            if not cases:
                continue
            if phase == "hidden":
                self._add_hidden_cases(package_root / name, sandbox)
            # one worker per import profile: a case's worker sees only the packages
            # that every file it calls may import
            profile = {c.name: self.profile(c) for c in cases}
            for hidden in dict.fromkeys(profile.values()):
                group = [c for c in cases if profile[c.name] == hidden]
                requests = [
                    CaseRequest(
                        module=c.func.__module__,
                        function=c.func.__name__,
                        seed=self.seeds[c.name],
                        timeout_s=self.timeout_of(c),
                        # written when the case starts, not before
                        data=functools.partial(self._write_data, c, control, sandbox),
                    )
                    for c in group
                ]

                def judge(
                    index: int, outcome: RunOutcome, group: list[Case] = group
                ) -> CaseResult | None:
                    case = group[index]
                    if case.apart and outcome.ok:
                        deferred.append((case, outcome))
                        return None
                    return self._result(case, outcome)

                judged = engine.run(requests, judge, config.budget_s, start, hidden)
                results.update(
                    {c.name: r for c, r in zip(group, judged, strict=True) if r is not None}
                )
        apart, engine.log.evaluation = self._evaluate_apart(deferred)
        results.update(apart)
        for case in self.cases:
            if case.name in blocked:
                outcome = RunOutcome.failed("blocked", blocked[case.name])
                results[case.name] = self._result(case, outcome)
        return results, engine.log

    def _add_hidden_cases(self, package: Path, sandbox: Plan) -> None:
        """Put the hidden cases' code into the worker's package, for the hidden phase."""
        source = self.package_src / "cases" / "hidden.py"
        if source.is_file():
            target = package / "cases" / "hidden.py"
            shutil.copyfile(source, target)
            _restrict_file(target, sandbox)

    def _write_data(self, case: Case, control: Path, sandbox: Plan) -> str | None:
        """Write the case's part of its grader data where the worker can read it."""
        if case.data is None:
            return None
        for_case, _ = case.make_data(self.seeds[case.name])
        path = control / f"data-{case.name}.npz"
        with path.open("wb") as handle:
            np.savez(handle, **for_case)  # type: ignore[arg-type]
        _restrict_file(path, sandbox)
        return str(path)


JUDGE_HEADROOM_MB = 320  # what the judge may allocate while grading, beyond what it holds


def _restrict_file(path: Path, sandbox: Plan) -> None:
    if sandbox.uid is not None:
        os.chown(path, 0, sandbox.gid or 0)
    path.chmod(0o640 if sandbox.uid is not None else 0o600)


def _restrict(scratch: Path, sandbox: Plan) -> None:
    """Only the worker's user reads the scratch folder (other grading users, running
    classmates' code at the same time, do not), and it writes only to ``work/``."""
    dropped = sandbox.uid is not None
    for path in [scratch, *scratch.rglob("*")]:
        if dropped:
            os.chown(path, 0, sandbox.gid or 0)
        path.chmod((0o750 if dropped else 0o700) if path.is_dir() else 0o640 if dropped else 0o600)
    if dropped:
        os.chown(scratch / "work", sandbox.uid or 0, sandbox.gid or 0)
    (scratch / "work").chmod(0o700)


@functools.cache
def uses(case: Case, files: tuple[str, ...]) -> frozenset[str]:
    """The submitted files a case calls into (``sub.<module>``, in the case function and
    in the helpers it hands ``sub`` to); all of them if unclear."""
    found = _reached_through(inspect.unwrap(case.func), 0, set())
    if found is None:
        return frozenset(files)
    return frozenset(found & set(files) or files)


def _reached_through(func: object, position: int, seen: set[tuple[object, int]]) -> set[str] | None:
    """The ``<module>.py`` names that ``func`` reaches as attributes of its parameter at
    ``position`` (the submission), following the functions it passes that parameter to;
    None where the source does not say (a parameter passed by keyword, stored, or given
    to something that is not a plain Python function)."""
    if (func, position) in seen:
        return set()
    seen.add((func, position))
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))  # type: ignore[arg-type]
    except (OSError, TypeError, SyntaxError):
        return None
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef):
        return None
    params = [*node.args.posonlyargs, *node.args.args]
    if position >= len(params):
        return None
    sub = params[position].arg
    names = [n for n in ast.walk(node) if isinstance(n, ast.Name) and n.id == sub]
    attributes = [n for n in ast.walk(node) if isinstance(n, ast.Attribute) and n.value in names]
    used = {f"{n.attr}.py" for n in attributes}
    accounted = {id(n.value) for n in attributes}
    namespace = getattr(func, "__globals__", {})
    for call in (n for n in ast.walk(node) if isinstance(n, ast.Call)):
        for i, arg in enumerate(call.args):
            if arg in names:
                accounted.add(id(arg))
                target = _resolve(call.func, namespace)
                more = None if target is None else _reached_through(target, i, seen)
                if more is None:
                    return None
                used |= more
    if any(id(n) not in accounted for n in names):
        return None
    return used


def _resolve(expr: ast.expr, namespace: dict[str, object]) -> object | None:
    """The plain Python function ``expr`` names in ``namespace`` (``f``, ``module.f``)."""
    target: object | None = None
    if isinstance(expr, ast.Name):
        target = namespace.get(expr.id)
    elif isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        target = getattr(namespace.get(expr.value.id), expr.attr, None)
    target = inspect.unwrap(target) if inspect.isfunction(target) else None
    return target
