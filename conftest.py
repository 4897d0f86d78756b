"""Root test configuration: eventlet must patch before anything imports sockets."""
import eventlet

eventlet.monkey_patch()
