DROP TABLE record_sheets;
