# The ECR host grammar and the ECR token client. Signs with the signing half; takes credentials
# as a value and uses none of the chain.
add_library(pullkeeper_aws_ecr
  ${CMAKE_CURRENT_LIST_DIR}/ecr_registry_host.cc
  ${CMAKE_CURRENT_LIST_DIR}/ecr_token_response.cc
  ${CMAKE_CURRENT_LIST_DIR}/ecr_client.cc)
target_link_libraries(pullkeeper_aws_ecr
  PUBLIC pullkeeper_aws_signing pullkeeper_base pullkeeper_http nlohmann_json::nlohmann_json)
