"""Pure game engine for Arena: rules, geometry, simulation and wire encoding."""

from engine.native import use_fresh_modules_only

use_fresh_modules_only()
