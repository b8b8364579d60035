DROP TABLE certificate_files;
DROP TABLE certificates;
DROP TABLE signing_keys;
DROP FUNCTION certificate_files_immutable();
