#!/usr/bin/env python3
"""Mutation testing by hand-written source edits (TESTING.md says why not Stryker).

Each mutation in mutations.txt names a file, an exact text that must occur once, its replacement and the test
classes that should catch it. The worktree is copied once to a scratch directory (never touched in place); per
mutation the edit is applied there, the test project is built incrementally, only the named classes run, and the
file is restored. A mutation whose build fails is reported as such (not as killed).

    EnergyPipeline.Tests/Mutation/run-mutations.py [--only id,id] [--folder Aggregation] [--scratch DIR] [--dry-run]

Prints one line per mutation and a summary per folder; exit code 1 when a mutation survived. --dry-run only checks
the list against the worktree (each find text occurs exactly once in its file, each test class exists) and exits 1
on a stale entry.
"""
import argparse, os, pathlib, re, shutil, signal, subprocess, sys, time

ROOT = pathlib.Path(__file__).resolve().parents[2]
LIST = pathlib.Path(__file__).with_name("mutations.txt")
BUILD = ["dotnet", "build", "EnergyPipeline.Tests", "--no-restore", "-nologo", "-v", "q", "-clp:ErrorsOnly",
         "-p:TreatWarningsAsErrors=false"]


def parse(text):
    mutations, current = [], {}
    for line in text.splitlines() + [""]:
        if line.startswith("#"):
            continue
        if not line.strip():
            if current:
                mutations.append(current)
                current = {}
            continue
        key, _, value = line.partition(":")
        current[key.strip()] = value[1:] if value.startswith(" ") else value
    for m in mutations:
        missing = {"id", "folder", "file", "find", "replace", "classes"} - m.keys()
        if missing:
            sys.exit(f"mutation {m.get('id', '?')} lacks {sorted(missing)}")
        m["find"] = m["find"].replace("\\n", "\n")
        m["replace"] = m["replace"].replace("\\n", "\n")
    return mutations


def run(cmd, cwd, timeout):
    # A session of its own, so that a timeout ends the test host and what it started too, not only `dotnet test`.
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=timeout)
        return p.returncode, out
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        return "timeout", out or ""


def test_command(classes):
    cmd = ["dotnet", "test", "--project", "EnergyPipeline.Tests", "--no-build"]
    for c in classes.split():
        cmd += ["--filter-class", c]
    return cmd


def dry_run(mutations):
    """Every find text occurs once in its file and every named test class is declared in the test sources."""
    declared = set()
    for source in (ROOT / "EnergyPipeline.Tests").rglob("*.cs"):
        if "/obj/" in str(source) or "/bin/" in str(source):
            continue
        text = source.read_text()
        namespace = re.search(r"^namespace ([\w.]+);", text, re.MULTILINE)
        for name in re.findall(r"\bclass (\w+)", text):
            if namespace:
                declared.add(f"{namespace.group(1)}.{name}")
    stale = 0
    for m in mutations:
        path = ROOT / m["file"]
        count = path.read_text().count(m["find"]) if path.exists() else 0
        unknown = [c for c in m["classes"].split() if c not in declared]
        ok = count == 1 and not unknown
        stale += not ok
        problem = "" if ok else f" {'missing file' if not path.exists() else f'{count} occurrences'}" + (f", unknown classes {unknown}" if unknown else "")
        print(f"{m['id']:40} {'ok' if ok else 'STALE'}{problem}")
    print(f"{len(mutations)} mutations, {stale} stale")
    return 1 if stale else 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="")
    parser.add_argument("--folder", default="")
    parser.add_argument("--scratch", default=f"/tmp/mut-{os.getuid()}-{ROOT.name}")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args()
    mutations = parse(LIST.read_text())
    if args.only:
        wanted = set(args.only.split(","))
        mutations = [m for m in mutations if m["id"] in wanted]
    if args.folder:
        mutations = [m for m in mutations if m["folder"] == args.folder]

    if args.dry_run:
        return dry_run(mutations)

    scratch = pathlib.Path(args.scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    # bin and obj come along with their times, so the first build there is incremental; .git stays behind.
    shutil.copytree(ROOT, scratch, ignore=shutil.ignore_patterns(".git", "TestResults"), dirs_exist_ok=True)
    subprocess.run(["dotnet", "restore", "EnergyPipeline.Tests", "-v", "q"], cwd=scratch, check=True, stdout=subprocess.DEVNULL)
    code, out = run(BUILD, scratch, 1200)
    if code != 0:
        sys.exit("baseline build failed:\n" + out[-3000:])
    classes = " ".join(sorted({c for m in mutations for c in m["classes"].split()}))
    code, out = run(test_command(classes), scratch, 1800)
    if code != 0:
        sys.exit("baseline tests fail, mutation results would mean nothing:\n" + out[-3000:])

    results = []
    for m in mutations:
        path = scratch / m["file"]
        original = path.read_text()
        count = original.count(m["find"])
        if count != 1:
            results.append((m, f"stale (find text occurs {count} times)", 0.0))
            print(f"{m['id']:40} stale ({count} occurrences)", flush=True)
            continue
        started = time.monotonic()
        path.write_text(original.replace(m["find"], m["replace"]))
        try:
            code, out = run(BUILD, scratch, 1200)
            if code != 0:
                outcome = "compile error"
            else:
                code, out = run(test_command(m["classes"]), scratch, 900)
                outcome = "killed" if code == "timeout" or code != 0 else "SURVIVED"
                if code == "timeout":
                    outcome = "killed (timeout)"
                if outcome.startswith("killed"):
                    # "failed Namespace.Class.Method(args) (12ms)": the classes that caught the mutant.
                    failed = re.findall(r"^failed (EnergyPipeline\.Tests\.[\w.]+?)\.\w+(?:\(|\s)", out, re.MULTILINE)
                    classes = sorted(set(f.split(".", 2)[2] for f in failed))
                    outcome += f" by {len(failed)} test(s) in " + ", ".join(classes) if classes else ""
        finally:
            path.write_text(original)
        seconds = time.monotonic() - started
        results.append((m, outcome, seconds))
        print(f"{m['id']:40} {outcome} ({seconds:.0f} s)", flush=True)
    # Leave the scratch copy built as the worktree is.
    run(BUILD, scratch, 1200)

    print("\nfolder           mutants  killed  survived  other")
    for folder in sorted({m["folder"] for m, _, _ in results}):
        rows = [o for m, o, _ in results if m["folder"] == folder]
        killed = sum(o.startswith("killed") for o in rows)
        survived = sum(o == "SURVIVED" for o in rows)
        print(f"{folder:16} {len(rows):7} {killed:7} {survived:9} {len(rows) - killed - survived:6}")
    survivors = [m["id"] for m, o, _ in results if o == "SURVIVED"]
    print("survivors:", ", ".join(survivors) or "none")
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
