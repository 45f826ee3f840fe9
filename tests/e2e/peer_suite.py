#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run rdma-core's own test suite (unchanged) and record each case's result.

    peer_suite.py run SUITE_DIR RESULTS [run_tests.py's arguments]
        loads SUITE_DIR (rdma-core's tests/) as its run_tests.py does, runs
        it, and writes one line per case to RESULTS: "STATUS case-id", where
        STATUS is pass, fail, error or skip.
    peer_suite.py compare NATIVE GUEST EXCEPTIONS PENDING
        prints the counts of both runs and every case that passed natively
        but not in the guest; exits 1 if one of those is in neither list
        (lines "case-id  reason"; '#' starts a comment), or if an entry of
        either no longer applies.  EXCEPTIONS: what the design cannot
        offer; PENDING: features not built yet, printed as such on every
        run (a strict expected failure: one that passes must leave the
        list).
"""
import os
import sys
import unittest


def run(suite_dir, results, args):
    from importlib.machinery import SourceFileLoader

    sys.path.insert(0, suite_dir)
    from args_parser import parser  # the suite's own, from SUITE_DIR

    tests = SourceFileLoader(
        'tests', os.path.join(suite_dir, '__init__.py')).load_module()
    sys.argv = [sys.argv[0]] + args
    parser.parse_args()
    status = {}

    class Recording(unittest.TextTestResult):
        def addSuccess(self, test):
            super().addSuccess(test)
            status[test.id()] = 'pass'

        def addFailure(self, test, err):
            super().addFailure(test, err)
            status[test.id()] = 'fail'

        def addError(self, test, err):
            super().addError(test, err)
            status[test.id()] = 'error'

        def addSkip(self, test, reason):
            super().addSkip(test, reason)
            status[test.id()] = 'skip'

        def addExpectedFailure(self, test, err):
            super().addExpectedFailure(test, err)
            status[test.id()] = 'pass'

        def addUnexpectedSuccess(self, test):
            super().addUnexpectedSuccess(test)
            status[test.id()] = 'fail'

    runner = unittest.TextTestRunner(resultclass=Recording, verbosity=2)
    unittest.main(module=tests, testRunner=runner, exit=False)
    with open(results, 'w') as f:
        for case in sorted(status):
            f.write(f'{status[case]} {case}\n')
    return 0


def load(path):
    res = {}
    with open(path) as f:
        for line in f:
            st, case = line.split()
            res[case] = st
    return res


def counts(res):
    c = {s: 0 for s in ('pass', 'fail', 'error', 'skip')}
    for st in res.values():
        c[st] += 1
    return ', '.join(f'{n} {s}' for s, n in c.items())


def load_list(path):
    entries = {}
    with open(path) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                case, _, reason = line.partition(' ')
                entries[case] = reason.strip()
    return entries


def compare(native_path, guest_path, exceptions_path, pending_path):
    native, guest = load(native_path), load(guest_path)
    lists = (('exception', load_list(exceptions_path)),
             ('PENDING', load_list(pending_path)))
    print(f'native: {len(native)} cases: {counts(native)}')
    print(f'guest:  {len(guest)} cases: {counts(guest)}')
    bad = 0
    for case in sorted(native):
        if native[case] != 'pass' or guest.get(case) == 'pass':
            continue
        for kind, entries in lists:
            if case in entries:
                print(f'  {kind}: {case} ({guest.get(case, "missing")} on '
                      f'xenib0): {entries[case]}')
                break
        else:
            print(f'  FAIL: {case} passes natively, '
                  f'{guest.get(case, "missing")} on xenib0')
            bad += 1
    for kind, entries in lists:
        for case in sorted(entries):
            if native.get(case) != 'pass' or guest.get(case) == 'pass':
                print(f'  FAIL: {kind} {case} no longer applies (native '
                      f'{native.get(case, "missing")}, guest '
                      f'{guest.get(case, "missing")}): drop it from the list')
                bad += 1
    pending = len(lists[1][1])
    if pending:
        print(f'{pending} case(s) pass natively and not yet on xenib0 '
              '(PENDING above: features not built)')
    better = [c for c in guest if guest[c] == 'pass' and native.get(c) != 'pass']
    for case in sorted(better):
        print(f'  note: {case} passes on xenib0, {native.get(case, "missing")}'
              ' natively')
    print(f'{bad} case(s) pass natively and not on xenib0 without a reason')
    return 1 if bad else 0


if __name__ == '__main__':
    if len(sys.argv) >= 4 and sys.argv[1] == 'run':
        sys.exit(run(sys.argv[2], sys.argv[3], sys.argv[4:]))
    if len(sys.argv) == 6 and sys.argv[1] == 'compare':
        sys.exit(compare(*sys.argv[2:6]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
