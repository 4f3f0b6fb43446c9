pullkeeper_test(aws_ecr_test
  SOURCES
    ${CMAKE_CURRENT_LIST_DIR}/sigv4_suite_reader.cc
    ${CMAKE_CURRENT_LIST_DIR}/sigv4_signer_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/partitions_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/ecr_registry_host_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/aws_error_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/ecr_token_response_test.cc
    ${CMAKE_CURRENT_LIST_DIR}/ecr_client_test.cc
  LIBS pullkeeper_aws_ecr nlohmann_json::nlohmann_json)
