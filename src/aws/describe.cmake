# What `doctor --aws` reads from AWS: EC2 and ELBv2 describe calls over the Query protocol,
# their XML answers turned into the AWS CLI's JSON (libxml2). Signs with the signing half and
# takes credentials as a value, like the ECR client.
pkg_check_modules(LIBXML2 REQUIRED IMPORTED_TARGET libxml-2.0)
add_library(pullkeeper_aws_describe
  ${CMAKE_CURRENT_LIST_DIR}/query_xml.cc
  ${CMAKE_CURRENT_LIST_DIR}/network_describe.cc)
target_link_libraries(pullkeeper_aws_describe
  PUBLIC pullkeeper_aws_signing pullkeeper_base pullkeeper_http nlohmann_json::nlohmann_json
  PRIVATE PkgConfig::LIBXML2)
