// Drives a libFuzzer target without libFuzzer, so every build (gcc included) runs each fuzz
// target in CI: first over the seed corpus, then over a fixed number of deterministic
// mutations of it. Finding new crashes is libFuzzer's job (-DPULLKEEPER_FUZZ=ON with clang);
// this keeps the targets compiling and the known corpus green.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

std::vector<std::string> ReadCorpus(int argc, char** argv) {
  std::vector<std::string> corpus;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path path(argv[i]);
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(path)) {
      for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else {
      files.push_back(path);
    }
    for (const auto& file : files) {
      std::ifstream in(file, std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  if (corpus.empty()) corpus.emplace_back();
  return corpus;
}

std::string Mutate(const std::string& seed, std::mt19937& rng) {
  std::string out = seed;
  int edits = 1 + static_cast<int>(rng() % 8);
  for (int i = 0; i < edits; ++i) {
    switch (rng() % 5) {
      case 0:  // flip a byte
        if (!out.empty()) out[rng() % out.size()] = static_cast<char>(rng());
        break;
      case 1:  // insert a byte, often structural
        out.insert(out.begin() + (out.empty() ? 0 : rng() % (out.size() + 1)),
                   "{}[]\":=,\n\\\0x"[rng() % 13]);
        break;
      case 2:  // truncate
        if (!out.empty()) out.resize(rng() % out.size());
        break;
      case 3:  // duplicate a slice
        if (!out.empty()) {
          size_t start = rng() % out.size();
          out.insert(start, out.substr(start, rng() % 64));
        }
        break;
      default:  // erase a slice
        if (!out.empty()) out.erase(rng() % out.size(), rng() % 16);
    }
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> corpus = ReadCorpus(argc, argv);
  std::mt19937 rng(20261204);
  size_t runs = 0;
  for (const std::string& input : corpus) {
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    ++runs;
  }
  for (int i = 0; i < 20000; ++i) {
    std::string input = Mutate(corpus[rng() % corpus.size()], rng);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()), input.size());
    ++runs;
  }
  std::printf("replayed %zu inputs without a crash\n", runs);
  return 0;
}
