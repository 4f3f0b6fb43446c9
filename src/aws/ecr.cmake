# SigV4, partitions and endpoints, the ECR host grammar, AWS error bodies and the ECR token
# client, and STS GetCallerIdentity (for whoami). Uses the Credentials struct from credentials.h
# but none of the credential chain.
add_library(pullkeeper_aws_ecr
  ${CMAKE_CURRENT_LIST_DIR}/sigv4_signer.cc
  ${CMAKE_CURRENT_LIST_DIR}/partitions.cc
  ${CMAKE_CURRENT_LIST_DIR}/ecr_registry_host.cc
  ${CMAKE_CURRENT_LIST_DIR}/aws_error.cc
  ${CMAKE_CURRENT_LIST_DIR}/ecr_token_response.cc
  ${CMAKE_CURRENT_LIST_DIR}/ecr_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/sts_client.cc)
target_link_libraries(pullkeeper_aws_ecr
  PUBLIC pullkeeper_base pullkeeper_http OpenSSL::Crypto nlohmann_json::nlohmann_json)
