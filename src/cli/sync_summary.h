// Prints a SyncReport on stdout for people (text) or for scripts (json). Logs go to stderr;
// stdout carries only this summary so `--output json | jq` works.
#pragma once

#include <string>

#include "sync/sync_report.h"

namespace pullkeeper::cli {

std::string FormatSyncSummaryText(const sync::SyncReport& report, bool dry_run);
std::string FormatSyncSummaryJson(const sync::SyncReport& report, bool dry_run);

}  // namespace pullkeeper::cli
