"""Pure core logic (no Qt, no speech engines): session state, staff PIN."""
