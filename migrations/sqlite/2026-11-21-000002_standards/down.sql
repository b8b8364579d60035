DROP TABLE cmc_entries;
DROP TABLE intermediate_checks;
DROP TABLE standard_calibration_files;
DROP TABLE standard_calibrations;
DROP TABLE standard_status_changes;
DROP TABLE standards;
DROP TABLE external_bodies;
DROP TABLE quantities;
