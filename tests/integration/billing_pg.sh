#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# CDR delivery exactly once against a real PostgreSQL server that the test
# starts in a temporary directory (initdb, pg_ctl; Unix socket only, no TCP
# listener) and removes at the end: the fault tests of billing.sh.
exec "$(dirname "$0")/billing.sh" pg
