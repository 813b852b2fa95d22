#include "shared-library.h"

#include <dlfcn.h>

namespace md4 {

std::string openFirstLibrary(const std::vector<std::string>& paths,
                             const std::function<std::string(void* handle, const std::string& path)>& accept,
                             const std::string& none) {
  std::string errors;
  auto fail = [&](const std::string& why) { errors += (errors.empty() ? "" : "; ") + why; };
  for (const std::string& path : paths) {
    void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) {
      const char* e = dlerror();
      fail(e != nullptr ? e : path + ": cannot open");
      continue;
    }
    const std::string refused = accept(h, path);
    if (refused.empty()) return "";
    fail(refused);
    dlclose(h);
  }
  return errors.empty() ? none : errors;
}

}  // namespace md4
