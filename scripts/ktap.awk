# The one KTAP parser of the harness, used by ktap-summary and ktap-compare
# (awk -f scripts/ktap.awk FILE...). Reads KTAP as `make run_tests` prints it
# (kselftest's runner: one result per program at the top level, the harness's
# cases nested one "# " level inside) and prints one line per result:
#     <name>|ok|fail|skip|<skip reason>
# where <name> is
#     <program>.<fixture>.<variant>.<test>   a case the program reported
#     <program>                              a program that reported no case
#                                            (skipped or failed as a whole,
#                                            crashed or timed out before any)
#     <program>.(exit)                       a program whose cases all passed
#                                            or skipped but which failed
#                                            itself (crash after the cases,
#                                            leak check, exit status, timeout)
# Lines are in input order; several files are read as one run.
function verdict(line) {
	if (line ~ /# *SKIP/) return "skip"
	if (line ~ /^not ok /) return "fail"
	return "ok"
}
function reason(line,   r) {
	if (line !~ /# *SKIP/) return ""
	r = line
	sub(/.*# *SKIP */, "", r)
	return r
}
function emit(name, v, r) { printf "%s|%s|%s\n", name, v, r }
FNR == 1 { cur = "" }
{
	line = $0
	depth = 0
	while (sub(/^# /, "", line)) depth++
}
# The program header the runner prints before running it.
depth == 1 && line ~ /^selftests: / {
	cur = line
	sub(/^selftests: [^:]*: /, "", cur)
	ncases[cur] = 0
	nfailed[cur] = 0
	next
}
# Per-case lines of the harness, one level down.
depth == 1 && cur != "" && line ~ /^(not )?ok [0-9]+ [^ ]/ {
	name = line
	sub(/^(not )?ok [0-9]+ /, "", name)
	sub(/ .*/, "", name)
	v = verdict(line)
	emit(cur "." name, v, reason(line))
	ncases[cur]++
	if (v == "fail") nfailed[cur]++
	next
}
# Top level: "ok N selftests: <dir>: <program> [# SKIP ...]"
depth == 0 && line ~ /^(not )?ok [0-9]+ selftests: / {
	prog = line
	sub(/^(not )?ok [0-9]+ selftests: [^:]*: /, "", prog)
	sub(/ .*/, "", prog)
	v = verdict(line)
	if (ncases[prog] == 0)
		emit(prog, v, reason(line))
	else if (v == "fail" && nfailed[prog] == 0)
		emit(prog ".(exit)", "fail", "the program failed after its cases")
	cur = ""
	next
}
