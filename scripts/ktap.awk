# The one KTAP parser of the harness, used by ktap-summary, ktap-compare and
# vmtest's expected-failure step (awk -f scripts/ktap.awk FILE...). Reads
# KTAP as `make run_tests` prints it (kselftest's runner: one result per
# program at the top level, the harness's cases nested one "# " level inside)
# and prints one line per result:
#     <name>|ok|fail|skip|xfail|xpass|<reason>
# where <name> is
#     <program>.<fixture>.<variant>.<test>   a case the program reported
#     <program>                              a program that reported no case
#                                            (skipped or failed as a whole,
#                                            crashed or timed out before any)
#     <program>.(exit)                       a program whose cases all passed,
#                                            skipped or failed as expected but
#                                            which failed itself (crash after
#                                            the cases, leak check, exit
#                                            status, timeout)
# and <reason> is a skip's reason, or an expected failure's ("# XFAIL ...",
# "# XPASS ..." directives, as kselftest's ktap_test_xfail prints them).
# Lines are in input order; several files are read as one run.
#
# Expected failures (-v xfail=FILE): FILE has one line per registered case,
#     <glob><TAB><bug id><TAB><title>
# (scripts/kernel-bugs expect). A matching case that fails is "xfail", one
# that passes "xpass" (the register is out of date); skips stay skips.
# With -v rewrite=1 the input is printed back instead, with each such case's
# line carrying the directive ("ok N case # XFAIL id: title", "not ok N case
# # XPASS id: ...") and a program line whose only failures were expected
# turned into "ok ... # XFAIL <ids>": the KTAP a user reads.
function verdict(line) {
	if (line ~ /# *SKIP/) return "skip"
	if (line ~ /# *XFAIL/) return "xfail"
	if (line ~ /# *XPASS/) return "xpass"
	if (line ~ /^not ok /) return "fail"
	return "ok"
}
function reason(line,   r) {
	if (line !~ /# *(SKIP|XFAIL|XPASS)/) return ""
	r = line
	sub(/.*# *(SKIP|XFAIL|XPASS) */, "", r)
	return r
}
function emit(name, v, r) { if (!rewrite) printf "%s|%s|%s\n", name, v, r }
function glob_re(g,   r) {
	r = g
	gsub(/[.+^$()|{}\[\]\\]/, "\\\\&", r)
	gsub(/\*/, ".*", r)
	gsub(/\?/, ".", r)
	return "^" r "$"
}
# The registered bug a case name falls under, or "".
function expected(name,   i) {
	for (i = 1; i <= nexp; i++)
		if (name ~ exp_re[i]) return i
	return ""
}
BEGIN {
	nexp = 0
	if (xfail != "") {
		while ((getline l < xfail) > 0) {
			split(l, f, "\t")
			if (f[1] == "") continue
			nexp++
			exp_re[nexp] = glob_re(f[1])
			exp_id[nexp] = f[2]
			exp_title[nexp] = f[3]
		}
	}
}
FNR == 1 { cur = "" }
{
	raw = $0
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
	nxpass[cur] = 0
	xids[cur] = ""
	if (rewrite) print raw
	next
}
# Per-case lines of the harness, one level down.
depth == 1 && cur != "" && line ~ /^(not )?ok [0-9]+ [^ ]/ {
	name = line
	sub(/^(not )?ok [0-9]+ /, "", name)
	sub(/ .*/, "", name)
	v = verdict(line)
	r = reason(line)
	# A case reported twice is the program's error (two variants or
	# fixtures of one name, a test re-run): a failure, never a result
	# that silently stands for both.
	if ((cur "." name) in seen) {
		if (rewrite) print raw
		emit(cur "." name, "fail", "the case was reported twice")
		nfailed[cur]++
		next
	}
	seen[cur "." name] = 1
	e = expected(cur "." name)
	if (e != "" && (v == "fail" || v == "ok")) {
		num = line
		sub(/^(not )?ok /, "", num)
		sub(/ .*/, "", num)
		r = exp_id[e] ": " exp_title[e]
		if (v == "fail") {
			v = "xfail"
			line = "ok " num " " name " # XFAIL " r
			if (index(" " xids[cur] " ", " " exp_id[e] " ") == 0)
				xids[cur] = xids[cur] (xids[cur] == "" ? "" : " ") exp_id[e]
		} else {
			v = "xpass"
			line = "not ok " num " " name " # XPASS " r " (the register expects a failure)"
		}
		raw = "# " line
	}
	if (rewrite) print raw
	emit(cur "." name, v, r)
	ncases[cur]++
	if (v == "fail") nfailed[cur]++
	if (v == "xpass") nxpass[cur]++
	next
}
# Top level: "ok N selftests: <dir>: <program> [# SKIP ...]"
depth == 0 && line ~ /^(not )?ok [0-9]+ selftests: / {
	prog = line
	sub(/^(not )?ok [0-9]+ selftests: [^:]*: /, "", prog)
	sub(/ .*/, "", prog)
	v = verdict(line)
	r = reason(line)
	hdr = line
	sub(/ #.*/, "", hdr)
	# A program that reported no case (or a "<dir>.(build)" result of a
	# suite that did not build) may itself be a registered failure.
	e = ncases[prog] == 0 ? expected(prog) : ""
	if (e != "" && (v == "fail" || v == "ok")) {
		r = exp_id[e] ": " exp_title[e]
		if (v == "fail") {
			v = "xfail"
			sub(/^not ok /, "ok ", hdr)
			raw = hdr " # XFAIL " r
		} else {
			v = "xpass"
			sub(/^ok /, "not ok ", hdr)
			raw = hdr " # XPASS " r " (the register expects a failure)"
		}
	}
	# A program whose failures were all expected ran as expected: its
	# exit status is that of the failing cases (1); a crash or a timeout
	# after them is still the program's failure.
	if (e == "" && v == "fail" && line ~ /# exit=1$/ && ncases[prog] > 0 && nfailed[prog] == 0 && xids[prog] != "") {
		v = "xfail"
		sub(/^not ok /, "ok ", hdr)
		raw = hdr " # XFAIL " xids[prog]
	} else if (e == "" && v == "ok" && nxpass[prog] > 0) {
		sub(/^ok /, "not ok ", hdr)
		raw = hdr " # XPASS: " nxpass[prog] " registered failure(s) passed"
	}
	if (rewrite) print raw
	if (ncases[prog] == 0)
		emit(prog, v, r)
	else if (v == "fail" && nfailed[prog] == 0 && nxpass[prog] == 0)
		emit(prog ".(exit)", "fail", "the program failed after its cases")
	cur = ""
	next
}
rewrite { print raw }
