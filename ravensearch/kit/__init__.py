"""Small helpers that know no domain. Look here before adding one."""
