"""Pure game engine for Arena: rules, geometry, simulation and wire encoding."""
