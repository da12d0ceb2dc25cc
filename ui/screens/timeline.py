"""Page script for st.navigation (a file, so AppTest.switch_page can open it): renders ui.views.timeline."""

from ui.views import timeline

timeline.render()
