"""Page script for st.navigation (a file, so AppTest.switch_page can open it): renders ui.views.ask."""

from ui.views import ask

ask.render()
