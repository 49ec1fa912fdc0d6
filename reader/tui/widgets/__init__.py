"""Widgets of the main screen: the paper list, the detail pane, the sidebar, the progress line."""
