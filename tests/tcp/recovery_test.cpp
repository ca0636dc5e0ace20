// LossRecovery: placeholder replaced below.
