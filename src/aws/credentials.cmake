# Credentials half of src/aws: the shared-file INI parser, profiles, the credential chain and
# region resolution. Depends on base, and on http for instance metadata; the ECR half depends
# on it, never the reverse.
add_library(pullkeeper_aws_credentials
  ini_file.cc
  internal/ini_text.cc
  shared_config.cc
  credential_chain.cc
  imds_credential_provider.cc
  region.cc)
target_link_libraries(pullkeeper_aws_credentials PUBLIC pullkeeper_base pullkeeper_http)
