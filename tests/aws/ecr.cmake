pullkeeper_test(aws_ecr_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/sigv4_suite_reader.cc
    ${CMAKE_CURRENT_LIST_DIR}/sigv4_signer_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/partitions_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/ecr_registry_host_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/aws_error_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/ecr_token_response_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/ecr_client_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/query_request_test.cc
  LIBS pullkeeper_aws_ecr nlohmann_json::nlohmann_json)
# Against a real emulator: starts moto_server on 127.0.0.1 (skips when it is not installed).
# One ctest for the whole binary, so moto starts once (about 3 s) rather than once per test.
add_executable(aws_ecr_moto_test ${CMAKE_CURRENT_LIST_DIR}/ecr_moto_test.cc)
target_include_directories(aws_ecr_moto_test PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(aws_ecr_moto_test PRIVATE pullkeeper_aws_ecr pullkeeper_http
  GTest::gtest GTest::gtest_main GTest::gmock)
add_test(NAME aws_ecr_moto_test COMMAND aws_ecr_moto_test)
set_tests_properties(aws_ecr_moto_test PROPERTIES TIMEOUT 60 LABELS integration
  SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
