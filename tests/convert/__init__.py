"""Tests of pagesync.convert: a package, so its module names cannot clash with other folders."""
