# Fuzz targets of src/doctor.
pullkeeper_fuzz_target(doctor_snapshot_fuzzer doctor_snapshot_fuzzer.cc LIBS pullkeeper_doctor)
