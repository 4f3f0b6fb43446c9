# What every AWS call needs, below both other halves: SigV4, partitions and endpoints,
# retries with backoff, AWS error bodies, and the request pieces (form encoding, configured
# endpoints) the clients share. Uses the Credentials struct from credentials.h, none of the chain.
add_library(pullkeeper_aws_signing
  ${CMAKE_CURRENT_LIST_DIR}/sigv4_signer.cc
  ${CMAKE_CURRENT_LIST_DIR}/partitions.cc
  ${CMAKE_CURRENT_LIST_DIR}/aws_error.cc
  ${CMAKE_CURRENT_LIST_DIR}/retry.cc
  ${CMAKE_CURRENT_LIST_DIR}/query_request.cc)
target_link_libraries(pullkeeper_aws_signing
  PUBLIC pullkeeper_base pullkeeper_http OpenSSL::Crypto nlohmann_json::nlohmann_json)
