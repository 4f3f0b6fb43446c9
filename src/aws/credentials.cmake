# Credentials half of src/aws: the shared-file INI parser, profiles, the credential chain,
# region resolution, and STS (GetCallerIdentity for whoami; role assumption for the chain).
# Depends on base, http (instance metadata, STS) and the signing half; ECR depends on none of it.
add_library(pullkeeper_aws_credentials
  ini_file.cc
  internal/ini_text.cc
  shared_config.cc
  credential_chain.cc
  imds_credential_provider.cc
  imds_client.cc
  region.cc
  sts_client.cc
  container_credential_provider.cc
  credential_process.cc
  role_credential_providers.cc)
target_link_libraries(pullkeeper_aws_credentials
  PUBLIC pullkeeper_base pullkeeper_http pullkeeper_aws_signing)
