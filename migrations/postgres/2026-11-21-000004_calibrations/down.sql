DROP TABLE calibration_point_standards;
DROP TABLE calibration_record_versions;
DROP TABLE calibration_records;
DROP TABLE procedures;
