"""Tests of lgsco_report.batch, one file per module (a package, so their names cannot clash with other folders')."""
