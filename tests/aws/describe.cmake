# The EC2/ELBv2 describe client for doctor --aws: XML conversion and the client against a
# scripted HTTP client.
pullkeeper_test(aws_describe_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/query_xml_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/network_describe_test.cc
  LIBS pullkeeper_aws_describe nlohmann_json::nlohmann_json)

# Prints what the client reads from an endpoint; the parity test compares it with the AWS CLI
# (tests/integration/aws_describe_parity_test.py).
add_executable(aws_network_describe_dump ${CMAKE_CURRENT_LIST_DIR}/network_describe_dump.cc)
target_link_libraries(aws_network_describe_dump PRIVATE pullkeeper_aws_describe pullkeeper_http
  nlohmann_json::nlohmann_json)

# Against moto with IAM enforced (skips when moto is not installed); one ctest so moto starts
# once.
add_executable(aws_describe_moto_test ${CMAKE_CURRENT_LIST_DIR}/network_describe_moto_test.cc)
target_include_directories(aws_describe_moto_test PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(aws_describe_moto_test PRIVATE pullkeeper_aws_describe pullkeeper_http
  GTest::gtest GTest::gtest_main GTest::gmock)
add_test(NAME aws_describe_moto_test COMMAND aws_describe_moto_test)
set_tests_properties(aws_describe_moto_test PROPERTIES TIMEOUT 60 LABELS integration
  SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
