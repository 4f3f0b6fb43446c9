# Tests of the credentials half of src/aws: the INI parser, profiles, the credential chain and
# region resolution, STS, plus a parity check of the parser against botocore when it is installed.
pullkeeper_test(aws_credentials_test
  SOURCES ini_file_test.cc shared_config_test.cc credential_chain_test.cc region_test.cc
          imds_credential_provider_test.cc sts_client_test.cc role_credential_providers_test.cc
  LIBS pullkeeper_aws_credentials)

# Container credentials (ECS task roles, EKS Pod Identity) against a scripted HTTP client.
pullkeeper_test(aws_container_credentials_test
  SOURCES container_credential_provider_test.cc
  LIBS pullkeeper_aws_credentials)

# credential_process: command-line splitting (against shlex), output parsing, and running
# little shell scripts written to a temporary directory.
pullkeeper_test(aws_credential_process_test
  SOURCES credential_process_test.cc
  LIBS pullkeeper_aws_credentials)

# The instance metadata source over real HTTP against tests/fakes/imds_server.py on loopback.
pullkeeper_test(aws_imds_fake_server_test
  SOURCES imds_fake_server_test.cc
  LIBS pullkeeper_aws_credentials)

# The container credentials source over real HTTP against
# tests/fakes/container_credentials_server.py on loopback.
pullkeeper_test(aws_container_fake_server_test
  SOURCES container_fake_server_test.cc
  LIBS pullkeeper_aws_credentials)

add_executable(aws_shared_config_dump shared_config_dump.cc)
target_link_libraries(aws_shared_config_dump PRIVATE pullkeeper_aws_credentials
  nlohmann_json::nlohmann_json)

find_program(PULLKEEPER_PYTHON3 python3)
if(PULLKEEPER_PYTHON3)
  add_test(NAME aws_shared_config_parity
    COMMAND ${PULLKEEPER_PYTHON3} ${CMAKE_CURRENT_SOURCE_DIR}/shared_config_parity_test.py
            $<TARGET_FILE:aws_shared_config_dump>)
  # The script exits 77 when botocore is not installed.
  set_tests_properties(aws_shared_config_parity PROPERTIES SKIP_RETURN_CODE 77)
endif()

# Role assumption and web identity against moto_server on 127.0.0.1 (skips when it is not
# installed). One ctest for the whole binary, so moto starts once.
add_executable(aws_sts_moto_test sts_moto_test.cc)
target_include_directories(aws_sts_moto_test PRIVATE ${CMAKE_SOURCE_DIR}/tests)
target_link_libraries(aws_sts_moto_test PRIVATE pullkeeper_aws_credentials pullkeeper_http
  GTest::gtest GTest::gtest_main GTest::gmock)
add_test(NAME aws_sts_moto_test COMMAND aws_sts_moto_test)
set_tests_properties(aws_sts_moto_test PROPERTIES TIMEOUT 60 LABELS integration
  SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]")
