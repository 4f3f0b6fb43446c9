# Credentials half of src/aws: the shared-file INI parser, profiles, the credential chain and
# region resolution. Depends only on base; the ECR half depends on it, never the reverse.
add_library(pullkeeper_aws_credentials
  ini_file.cc
  internal/ini_text.cc
  shared_config.cc
  credential_chain.cc
  region.cc)
target_link_libraries(pullkeeper_aws_credentials PUBLIC pullkeeper_base)
