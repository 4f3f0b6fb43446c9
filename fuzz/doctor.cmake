# Fuzz targets of src/doctor.
pullkeeper_fuzz_target(doctor_snapshot_fuzzer doctor_snapshot_fuzzer.cc LIBS pullkeeper_doctor)
# Snapshot files are compacted before they are parsed: the compaction must not change a value.
pullkeeper_fuzz_target(json_whitespace_fuzzer json_whitespace_fuzzer.cc LIBS pullkeeper_base
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/doctor_snapshot_fuzzer)
