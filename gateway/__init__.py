"""The gateway: the program on each Raspberry Pi that hears BLE beacon frames and reports them over MQTT."""
