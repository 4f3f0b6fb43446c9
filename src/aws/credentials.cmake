# Credentials half of src/aws: the shared-file INI parser and profiles. Depends only on base;
# the ECR half depends on it, never the reverse.
add_library(pullkeeper_aws_credentials
  ini_file.cc
  internal/ini_text.cc
  shared_config.cc)
target_link_libraries(pullkeeper_aws_credentials PUBLIC pullkeeper_base)
