"""The simulated world: phone and tag firmware, radio, shoppers, virtual BlueZ, serial reader, camera and POS."""
