"""Page script for st.navigation (a file, so AppTest.switch_page can open it): renders ui.views.library."""

from ui.views import library

library.render()
