#ifndef HOTPLUGD_CUDEV_SHIM_H
#define HOTPLUGD_CUDEV_SHIM_H
#include <libudev.h>
#endif
