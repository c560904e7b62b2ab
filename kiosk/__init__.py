"""The self-service kiosk: loyalty sign-up, card reader and QR scanning."""
