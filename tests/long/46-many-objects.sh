#!/bin/bash
# e2e-37 with 4096 CQs and 4096 QPs in one guest, the quotas' defaults:
# about five minutes on the testbed, most of it moving the QPs to RTS
# (tests/long/README).
MANY_N=4096 exec bash "$(dirname "$0")/../e2e/37-many-objects.sh"
