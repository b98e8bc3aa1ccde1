/* bisheng: articles into books. The umbrella header. */
#ifndef BISHENG_H
#define BISHENG_H

#include "version.h"
#include "error.h"
#include "node.h"
#include "read.h"
#include "settings.h"
#include "epub.h"
#include "typeset.h"
#include "manifest.h"

#endif
