"""Uploaded files kept in the database until the job that reads them has finished."""
