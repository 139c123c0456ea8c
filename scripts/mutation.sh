#!/usr/bin/env bash
# Mutation testing of one core module, or of all: scripts/mutation.sh MODULE|all [MUTMUT RUN ARGS]
#
# Modules and the tests run against their mutants are [tool.custrecord.mutation.*] in
# pyproject.toml. Each module runs in its own copy of the project, .mutation/MODULE/, made afresh
# each run (mutmut's cached verdicts would not notice new tests); the last run stays there.
# Prints mutmut's summary and the score, killed / (killed + survived + no tests), a timed-out mutant
# counted as killed; `mutmut results` and `mutmut show NAME` inside .mutation/MODULE/ list and show
# the survivors. A module's `mutmut` table holds mutmut settings for its copy (timeout_multiplier...).
# A module's `names` (mutant-name patterns) limit a run to some functions; only mutants run count.
# Not part of CI: a module takes minutes. MUTMUT_CHILDREN (default 1) sets mutmut's processes.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
python=${PYTHON:-python}
modules=$("$python" -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["tool"]["custrecord"]["mutation"]))')
if [[ $# -lt 1 ]]; then
    echo "usage: scripts/mutation.sh MODULE|all [mutmut run arguments]; modules: $modules" >&2
    exit 2
fi
target=$1
shift
if [[ $target == all ]]; then
    selected=$modules
elif [[ " $modules " == *" $target "* ]]; then
    selected=$target
else
    echo "unknown module $target; modules: $modules" >&2
    exit 2
fi
for module in $selected; do
    work=$root/.mutation/$module
    mkdir -p "$work"
    rm -rf "$work/src" "$work/tests" "$work/mutants"
    cp -r "$root/src" "$root/tests" "$work/"
    find "$work" -name __pycache__ -prune -exec rm -rf {} +
    "$python" - "$module" "$root/pyproject.toml" "$work/pyproject.toml" <<'PY'
import sys
import tomllib

module, source, target = sys.argv[1:]
with open(source, "rb") as f:
    data = tomllib.load(f)
spec = data["tool"]["custrecord"]["mutation"][module]
base = data["tool"]["mutmut"]


def toml_list(items):
    return "[" + ", ".join('"' + item.replace("\\", "\\\\").replace('"', '\\"') + '"' for item in items) + "]"


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return toml_list([value])[1:-1]
    return toml_list(value) if isinstance(value, list) else str(value)


with open(target, "w", encoding="utf-8") as f:
    f.write(open(source, encoding="utf-8").read().split("[tool.mutmut]")[0])
    f.write("[tool.mutmut]\n")
    f.write(f"source_paths = {toml_list(base['source_paths'])}\n")
    f.write(f"only_mutate = {toml_list(spec['mutate'])}\n")
    f.write(f"pytest_add_cli_args = {toml_list(base['pytest_add_cli_args'])}\n")
    f.write(f"pytest_add_cli_args_test_selection = {toml_list(spec['tests'])}\n")
    # A module's `mutmut` table passes settings on as they are (timeout_multiplier, debug, ...).
    for key, value in spec.get("mutmut", {}).items():
        f.write(f"{key} = {toml_value(value)}\n")
PY
    echo "== $module: $(printf '%s ' $("$python" -c "import tomllib,sys; print(' '.join(tomllib.load(open('pyproject.toml','rb'))['tool']['custrecord']['mutation']['$module']['mutate']))"))"
    (
        cd "$work"
        set -f  # the mutant-name patterns are for mutmut, not the shell
        # A module's `names` (mutant-name patterns) limit the run to those functions' mutants.
        names=$("$python" -c "import tomllib; print(' '.join(tomllib.load(open('$root/pyproject.toml','rb'))['tool']['custrecord']['mutation']['$module'].get('names', [])))")
        # shellcheck disable=SC2086  # the patterns are words, and their globs are mutmut's
        HYPOTHESIS_PROFILE=ci "$python" -m mutmut run --max-children "${MUTMUT_CHILDREN:-1}" "$@" $names \
            >"$work/run.log" 2>&1 || true
        tail -n 3 "$work/run.log" | tr '\r' '\n' | tail -n 2
        "$python" - <<'PY'
import subprocess
import sys

lines = subprocess.run([sys.executable, "-m", "mutmut", "results", "--all", "true"],
                       capture_output=True, text=True).stdout.splitlines()
status = {}
for line in lines:
    name, _, state = line.strip().rpartition(": ")
    if name:
        status[state] = status.get(state, 0) + 1
# A mutant no selected test reaches ("no tests") counts as surviving: nothing would notice it.
# One that makes the tests run past the timeout (a loop that never ends) counts as killed: the
# tests never pass on it.
killed, survived, untested = status.get("killed", 0), status.get("survived", 0), status.get("no tests", 0)
timeout = status.get("timeout", 0)
others = {k: v for k, v in status.items() if k not in ("killed", "survived", "no tests", "timeout")}
total = killed + timeout + survived + untested
score = 100 * (killed + timeout) / total if total else 0.0
print(f"killed {killed}, timed out {timeout}, survived {survived}, no tests {untested}, other {others}: "
      f"score {score:.1f} %")
PY
    )
done
