#!/usr/bin/env bash
# Fixture of the submission, newcomer and new-chapter tests: a fresh copy of the workbook
# at $WORK/workbook (its builds start empty; ccache makes a re-run cheap).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
copy_workbook "$WORK/workbook"
rm -rf "$WORK/submission"
finish
