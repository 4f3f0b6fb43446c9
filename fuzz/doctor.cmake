# Fuzz targets of src/doctor.
pullkeeper_fuzz_target(doctor_snapshot_fuzzer doctor_snapshot_fuzzer.cc LIBS pullkeeper_doctor)
# Snapshot files are parsed by simdjson where nlohmann would read them alike: never a different
# value or verdict, and Pods' unread members left out exactly as erasing them would.
pullkeeper_fuzz_target(fast_json_fuzzer fast_json_fuzzer.cc LIBS pullkeeper_doctor
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/doctor_snapshot_fuzzer)
# Large Lists are cut into their items and parsed on several threads, as the file arrives:
# never a different value or verdict than the whole parse.
pullkeeper_fuzz_target(list_parse_fuzzer list_parse_fuzzer.cc LIBS pullkeeper_doctor
  CORPUS ${CMAKE_CURRENT_SOURCE_DIR}/corpus/doctor_snapshot_fuzzer)
