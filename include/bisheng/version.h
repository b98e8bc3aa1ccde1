/* bisheng: version of the library and the command-line tool. */
#ifndef BISHENG_VERSION_H
#define BISHENG_VERSION_H

#define BS_VERSION_MAJOR 0
#define BS_VERSION_MINOR 1
#define BS_VERSION_PATCH 0
#define BS_VERSION_STRING "0.1.0"

#endif
