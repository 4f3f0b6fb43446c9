# The credentials half: the shared config/credentials file parser.
pullkeeper_fuzz_target(aws_ini_fuzzer aws_ini_fuzzer.cc LIBS pullkeeper_aws_credentials)
# The signing half: AWS error bodies (with a no-secret-in-message check); the ECR half: token responses.
pullkeeper_fuzz_target(aws_error_fuzzer aws_error_fuzzer.cc LIBS pullkeeper_aws_signing)
pullkeeper_fuzz_target(ecr_token_response_fuzzer ecr_token_response_fuzzer.cc LIBS pullkeeper_aws_ecr)
# credential_process: the command-line splitter (round trip) and the output parser (never
# quotes the output).
pullkeeper_fuzz_target(credential_process_fuzzer credential_process_fuzzer.cc
  LIBS pullkeeper_aws_credentials)
# The credentials half: STS AssumeRole / AssumeRoleWithWebIdentity answers.
pullkeeper_fuzz_target(sts_response_fuzzer sts_response_fuzzer.cc LIBS pullkeeper_aws_credentials)
# The describe half: EC2 / ELBv2 XML answers turned into the AWS CLI's JSON.
pullkeeper_fuzz_target(query_xml_fuzzer query_xml_fuzzer.cc LIBS pullkeeper_aws_describe)
